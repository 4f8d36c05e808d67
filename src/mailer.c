/* mailer: not written yet */
