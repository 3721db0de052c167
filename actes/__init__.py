"""Council acts: publication online, open data, transmission to the prefecture (@ctes)."""
