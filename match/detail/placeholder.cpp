// Temporary: removed once the area has real sources.
