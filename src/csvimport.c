/* csvimport: not written yet */
