"""The ObjectDetector component: SSD object detection on camera frames.

Frames come from images, folders or video; each frame's detections are
published on the device's local pub/sub as a ``seesay.detections/1`` message.
"""
