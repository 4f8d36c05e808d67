/* cmd-caseload: not written yet */
