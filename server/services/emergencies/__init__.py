"""Typhoon and rainstorm prevention (自然灾害应急防御) over the 14 classes of facilities.

``plans`` publishes the versioned emergency plans; ``declaration`` is the duty officer's use
cases (declare, change level, stand down); ``activation`` is the set-based SQL that finds the
activated facilities and writes their check tasks, nearest resources and the departments'
notices; ``checks`` takes the collectors' check results arriving through sync batches;
``situation`` reads (the warning, the situation map, a collector's tasks, the summary).
"""
