"""Many runs of the model: executors, the one resumable engine, batches, sweeps, designs.

No argparse and no printing here; the CLI (``parley.cli``) is the only terminal layer.
"""
