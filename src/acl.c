/* acl: not written yet */
