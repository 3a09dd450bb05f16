-- Creates a Calendar event and shows it.
-- argv: title, start, end (both "YYYY-MM-DDTHH:MM:SS", local time), location, notes,
--       calendar name ("" = first writable calendar), invitee count, then the invitee addresses.
-- Dates are built from numbers, never from locale-dependent date literals.
-- Prints "ok", the calendar's name and how many invitees were added, one per line; or "no_calendar".
-- A local ("On My Mac") calendar takes no attendees: the event exists by then, so an attendee that
-- cannot be added is counted, not an error that would make the tool report a failure.
on run argv
	set theTitle to item 1 of argv
	set startDate to my isoDate(item 2 of argv)
	set endDate to my isoDate(item 3 of argv)
	set theLocation to item 4 of argv
	set theNotes to item 5 of argv
	set calendarName to item 6 of argv
	set invitees to my sliceArgs(argv, 8, (item 7 of argv) as integer)
	tell application "Calendar"
		-- exists returns a real boolean here; upstream tested a "true"/"false" string instead.
		if calendarName is not "" and (exists calendar calendarName) then
			set theCalendar to calendar calendarName
		else
			set writableCalendars to every calendar whose writable is true
			if (count of writableCalendars) is 0 then return "no_calendar"
			set theCalendar to item 1 of writableCalendars
		end if
		set theEvent to make new event at end of events of theCalendar with properties {summary:theTitle, start date:startDate, end date:endDate, location:theLocation, description:theNotes}
		set added to 0
		repeat with anAddress in invitees
			try
				make new attendee at end of attendees of theEvent with properties {email:(contents of anAddress)}
				set added to added + 1
			end try
		end repeat
		set calendarName to name of theCalendar
		-- Showing is a courtesy: the event exists by now, so a failure here must not report an error.
		try
			activate
			show theEvent
		end try
	end tell
	return "ok" & linefeed & calendarName & linefeed & (added as text)
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

on sliceArgs(argv, startIndex, n)
	set theItems to {}
	repeat with i from startIndex to startIndex + n - 1
		set end of theItems to item i of argv
	end repeat
	return theItems
end sliceArgs
