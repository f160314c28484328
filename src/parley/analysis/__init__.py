"""Numbers from results: intervals, statistics, calibration, hindcast scores, records.

Never imports Mesa or the model.
"""
