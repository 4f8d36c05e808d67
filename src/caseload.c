/* caseload: not written yet */
