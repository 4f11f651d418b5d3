"""What every layer may use and nothing in Horizon is imported by: time, text, the field error."""
