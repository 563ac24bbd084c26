"""The Alexa skill that says what the cameras see (runs in AWS Lambda).

It reads the window summaries the devices publish, from the Kinesis stream the
IoT rule fills, and answers in plain speech. Entry point:
``seesay_skill.lambda_function.lambda_handler``; for tests and the demo,
:func:`seesay_skill.skill.build_skill` and :func:`seesay_skill.skill.invoke`.
"""
