import { describe, expect, expectTypeOf, it } from "vitest";
import {
  ERROR_CODES,
  type ErrorCode,
  ErrorEnvelope,
  errorEnvelope,
  isErrorCode,
  OpenAIErrorType,
  statusForCode,
} from "../src/index";

const EXPECTED_STATUS: Record<ErrorCode, number> = {
  invalid_json: 400,
  invalid_request: 400,
  invalid_value: 400,
  missing_required_parameter: 400,
  unknown_parameter: 400,
  unsupported_parameter: 400,
  unsupported_value: 400,
  string_above_max_length: 400,
  invalid_api_key: 401,
  missing_api_key: 401,
  key_revoked: 401,
  insufficient_scope: 403,
  invalid_signature: 403,
  url_expired: 403,
  not_found: 404,
  unknown_url: 404,
  model_not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  invalid_image_format: 400,
  invalid_image_file: 400,
  rate_limit_exceeded: 429,
  internal_error: 500,
  upstream_error: 502,
  request_in_progress: 409,
  request_id_reused: 400,
  no_runtime_available: 503,
  timeout: 504,
  request_timeout: 408,
  client_closed_request: 499,
};

describe("ERROR_CODES", () => {
  it.each(Object.entries(EXPECTED_STATUS))("%s answers %i", (code, status) => {
    expect(isErrorCode(code)).toBe(true);
    if (!isErrorCode(code)) return;
    expect(statusForCode(code)).toBe(status);
    expect(ERROR_CODES[code].status).toBe(status);
  });

  it("has exactly the expected codes", () => {
    expect(Object.keys(ERROR_CODES).sort()).toEqual(Object.keys(EXPECTED_STATUS).sort());
  });

  it("uses only known error types", () => {
    for (const { type } of Object.values(ERROR_CODES)) {
      expect(OpenAIErrorType.safeParse(type).success).toBe(true);
    }
  });

  it("maps statuses to the matching type", () => {
    expect(ERROR_CODES.invalid_value.type).toBe("invalid_request_error");
    expect(ERROR_CODES.invalid_api_key.type).toBe("authentication_error");
    expect(ERROR_CODES.insufficient_scope.type).toBe("permission_error");
    expect(ERROR_CODES.model_not_found.type).toBe("not_found_error");
    expect(ERROR_CODES.rate_limit_exceeded.type).toBe("rate_limit_error");
    expect(ERROR_CODES.internal_error.type).toBe("server_error");
    expect(ERROR_CODES.upstream_error.type).toBe("server_error");
    expect(ERROR_CODES.no_runtime_available.type).toBe("service_unavailable_error");
    expect(ERROR_CODES.timeout.type).toBe("timeout_error");
  });

  it("is frozen", () => {
    expect(Object.isFrozen(ERROR_CODES)).toBe(true);
  });

  it("rejects unknown codes", () => {
    expect(isErrorCode("foo")).toBe(false);
    expect(isErrorCode("toString")).toBe(false);
  });
});

describe("OpenAIErrorType", () => {
  it("lists the eight types", () => {
    expect(OpenAIErrorType.options).toEqual([
      "invalid_request_error",
      "authentication_error",
      "permission_error",
      "not_found_error",
      "rate_limit_error",
      "server_error",
      "service_unavailable_error",
      "timeout_error",
    ]);
    expect(OpenAIErrorType.safeParse("nope").success).toBe(false);
  });
});

describe("errorEnvelope", () => {
  it("builds OpenAI's envelope with the code's type", () => {
    expect(errorEnvelope("missing_required_parameter", "Missing.", "prompt")).toEqual({
      error: {
        message: "Missing.",
        type: "invalid_request_error",
        param: "prompt",
        code: "missing_required_parameter",
      },
    });
  });

  it("defaults param to null", () => {
    const envelope = errorEnvelope("invalid_api_key", "Incorrect API key provided.");
    expect(envelope.error.param).toBeNull();
    expect(envelope.error.type).toBe("authentication_error");
    expect(ErrorEnvelope.parse(envelope)).toEqual(envelope);
  });
});

describe("ErrorEnvelope", () => {
  it("parses a real OpenAI error", () => {
    const body = {
      error: {
        message: "The model `x` does not exist",
        type: "invalid_request_error",
        param: null,
        code: "model_not_found",
      },
    };
    expect(ErrorEnvelope.parse(body)).toEqual(body);
  });

  it("requires every field", () => {
    expect(
      ErrorEnvelope.safeParse({ error: { message: "m", type: "t", param: null } }).success,
    ).toBe(false);
    expect(ErrorEnvelope.safeParse({ message: "m" }).success).toBe(false);
  });
});

describe("types", () => {
  it("ErrorCode is the key union", () => {
    expectTypeOf<"invalid_api_key">().toExtend<ErrorCode>();
    expectTypeOf<"foo">().not.toExtend<ErrorCode>();
    statusForCode("invalid_api_key");
    // @ts-expect-error "foo" is not an ErrorCode
    expect(() => statusForCode("foo")).toThrow();
  });

  it("ErrorEnvelope has nullable param and code", () => {
    expectTypeOf<ErrorEnvelope["error"]["param"]>().toEqualTypeOf<string | null>();
    expectTypeOf<ErrorEnvelope["error"]["code"]>().toEqualTypeOf<string | null>();
    expectTypeOf(errorEnvelope).returns.toEqualTypeOf<ErrorEnvelope>();
  });
});
