"""The one command: `/usr/bin/python3 -m training.data [--quick] [--seed N] [--out DIR]`."""
