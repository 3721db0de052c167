"""Relation citoyen (GRC): démarches per member, citizens' requests from every channel, their
qualification, treatment and delivery, retention of personal data, the yearly report."""
