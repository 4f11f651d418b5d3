"""Running programmes at scale: leads, the undo window, the applicant page, exports."""
