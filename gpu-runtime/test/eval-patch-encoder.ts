/**
 * A valid ONNX file, written by the tests because no fixture has a VAE encoder: `latents = Conv(image,
 * W, strides 8)` with W [4, 3, 8, 8] = 1/192 (the 8×8 patch mean of the three channels), ONNX's
 * protobuf encoded by hand (onnx.proto field numbers).
 */
export function patchEncoderOnnx(): Buffer {
  const varint = (n: number): number[] => {
    const out: number[] = [];
    let v = n;
    while (v > 127) {
      out.push((v & 127) | 128);
      v = Math.floor(v / 128);
    }
    out.push(v);
    return out;
  };
  const key = (field: number, wire: number) => varint(field * 8 + wire);
  const int = (field: number, value: number) => [...key(field, 0), ...varint(value)];
  const bytes = (field: number, value: Uint8Array | number[]) => [
    ...key(field, 2),
    ...varint(value.length),
    ...value,
  ];
  const str = (field: number, value: string) => bytes(field, [...Buffer.from(value)]);
  const dim = (d: number | string) => bytes(1, typeof d === "number" ? int(1, d) : str(2, d)); // Dimension: dim_value | dim_param
  const valueInfo = (name: string, dims: (number | string)[]) =>
    // ValueInfoProto{name, type: TypeProto{tensor_type: {elem_type FLOAT, shape}}}
    [...str(1, name), ...bytes(2, bytes(1, [...int(1, 1), ...bytes(2, dims.flatMap(dim))]))];
  const weight = new Float32Array(4 * 3 * 8 * 8).fill(1 / 192);
  const initializer = [
    ...[4, 3, 8, 8].flatMap((d) => int(1, d)),
    ...int(2, 1), // FLOAT
    ...str(8, "W"),
    ...bytes(9, new Uint8Array(weight.buffer)),
  ];
  const strides = [...str(1, "strides"), ...int(8, 8), ...int(8, 8), ...int(20, 7)]; // INTS
  const node = [...str(1, "image"), ...str(1, "W"), ...str(2, "latents"), ...str(4, "Conv")];
  const graph = [
    ...bytes(1, [...node, ...bytes(5, strides)]),
    ...str(2, "patch_encoder"),
    ...bytes(5, initializer),
    ...bytes(11, valueInfo("image", ["batch", 3, "height", "width"])),
    ...bytes(12, valueInfo("latents", ["batch", 4, "h", "w"])),
  ];
  const model = [...int(1, 8), ...bytes(8, [...str(1, ""), ...int(2, 17)]), ...bytes(7, graph)];
  return Buffer.from(model);
}
