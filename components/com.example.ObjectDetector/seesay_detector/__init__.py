"""The ObjectDetector component: SSD object detection on camera frames.

Frames come from images, folders, video files, cameras or network streams;
each frame's detections are published on the device's local pub/sub as a
``seesay.detections/1`` message, and a live camera's comings and goings as
``seesay.camera-status/1`` messages. docs/detector.md describes the settings,
the model manifest and both messages.
"""
