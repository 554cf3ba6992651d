# Public links and shares with other users arrive with the sharing issue.
