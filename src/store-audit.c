/* store-audit: not written yet */
