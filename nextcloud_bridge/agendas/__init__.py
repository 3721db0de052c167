"""CalDAV agendas of the members: public events calendars and assembly calendars."""
