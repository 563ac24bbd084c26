"""seesay: a camera at the edge sees, a voice assistant says what it sees.

This package holds what the device components, the cloud skill and the laptop
tools share: the message contract, the topics, the transports, the local
stack and the command line.
"""

__version__ = "0.1.0"
