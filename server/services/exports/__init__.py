"""Exports: the records a user may read, as CSV, XLSX, GeoJSON or GeoPackage.

    request.py    what is asked: kind, area, updated since; format, header language, choices
    access.py     who may export, and the hook every export calls at its end (access log)
    selection.py  which records: the kind, area and time asked for, within the user's scope
    table.py      the columns, from every form version of the kind (domain.export_table)
    rows.py       records read in chunks through a server-side cursor; shown_row, the one
                  call to disclosure per record, before any format sees it
    formats/      one module per format behind one small interface (formats/base.py)
    service.py    a small export is streamed; a large one becomes a job
    job.py        the job: the file written in chunks with progress, kept in files.py
"""
