"""Fleet care: rickshaws, stations, maintenance, defects, charging."""
