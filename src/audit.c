/* audit: not written yet */
