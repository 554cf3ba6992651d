"""Every write of the sharing app, by concern: shares with people (shares.py), public links
(links.py), and what a link's visitors do (link_visits.py: downloads counted, passwords
checked). Invitations, the shares with addresses that have no account yet, are in
sharing/invitations.py; drop-link uploads in sharing/drops.py.

Only an item's owner creates, changes or revokes its shares and links: doors get the
item with sharing.access (Need.OWN) or the share or link with share_for_actor /
link_for_actor, and each service records its activity event, in the item owner's
space, inside its transaction.
"""
