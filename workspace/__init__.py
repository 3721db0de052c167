"""The staff's workspace in the Wagtail admin: the dashboard of the member whose host the
staff are logged in on (sittings to send, folders waiting for them, acts to publish or
transmit, the prefecture's latest messages), and the folders waiting for a person in a
constant number of queries (`workspace.folders`), which the officials' space uses too."""
