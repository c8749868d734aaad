"""Demand: occupancy by time slot (`occupancy`, the file-to-file engine in `occupancy_io`), the key figures
(`kpis`), the arrival and stay model with its shared simulation (`model`) and the staffing rule (`staffing`)."""
