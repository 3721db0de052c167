"""GED and archives: the members' filing plan, retention rules, documents and their versions,
legal holds, search, SEDA transfers and eliminations (the public functions are in services)."""
