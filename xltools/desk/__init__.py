"""The county's review desk: a ledger of every unit's submitted versions, their
check results and the office's decisions (`ledger.py`), the cycle of statuses and
deadlines that follows from them (`standing.py`), what the office and the units do
(`service.py`), the office's password (`auth.py`), checks in worker processes
(`checking.py`), the note that returns a report (`note.py`) and the web pages
(`web.py`, the optional extra `xltools[desk]`)."""
