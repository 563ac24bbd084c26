"""The LocalAggregator component: detections folded into tumbling windows.

It replaces the old design's cloud-side SQL window: frames stay on the device,
and only one summary per camera per window goes to AWS IoT Core.
"""
