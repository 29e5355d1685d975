"""Reports over the rollup the engine keeps (``sms_rollup``), and their exports."""
