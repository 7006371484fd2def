"""The one command: `cd gpu-runtime && /usr/bin/python3 -m training.data [--quick] [--seed N] [--out DIR]`."""
