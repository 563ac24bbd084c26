"""The local stack: real protocols on loopback, standing in for AWS on a laptop.

- an MQTT broker (amqtt) for Greengrass local pub/sub and AWS IoT Core;
- a Kinesis-compatible endpoint (moto's server mode);
- a bridge doing what the cloud IoT rule does, read from the cloud template.
"""
