-- Creates a reminder.
-- argv: name, notes, list name ("" or a list that does not exist = the default list), priority (0-9),
--       due kind ("none", "date" for all-day or "datetime"), due "YYYY-MM-DDTHH:MM:SS" (local time).
-- Dates are built from numbers, never from locale-dependent date literals.
-- Prints "ok" and the list's name on the next line.
on run argv
	set theName to item 1 of argv
	set theNotes to item 2 of argv
	set listName to item 3 of argv
	set thePriority to (item 4 of argv) as integer
	set dueKind to item 5 of argv
	if dueKind is not "none" then set dueDate to my isoDate(item 6 of argv)
	tell application "Reminders"
		if listName is not "" and (exists list listName) then
			set theList to list listName
		else
			set theList to default list
		end if
		tell theList
			set theReminder to make new reminder with properties {name:theName, body:theNotes, priority:thePriority}
		end tell
		if dueKind is "date" then
			set allday due date of theReminder to dueDate
		else if dueKind is "datetime" then
			set due date of theReminder to dueDate
		end if
		set listName to name of theList
	end tell
	return "ok" & linefeed & listName
end run

on isoDate(s)
	set d to current date
	-- Day 1 first, so that setting the month never overflows (31 January -> February).
	set day of d to 1
	set year of d to (text 1 thru 4 of s) as integer
	set month of d to (text 6 thru 7 of s) as integer
	set day of d to (text 9 thru 10 of s) as integer
	set time of d to ((text 12 thru 13 of s) as integer) * hours + ((text 15 thru 16 of s) as integer) * minutes + ((text 18 thru 19 of s) as integer)
	return d
end isoDate
