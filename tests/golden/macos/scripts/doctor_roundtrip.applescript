-- Write round trip for `tinyagent doctor --macos --write`: creates a throwaway container in one app,
-- writes an item into it, reads it back and deletes the container, so a person sees that writing works
-- before a run needs it. argv: the app (Notes, Reminders or Calendar), then the container's name.
-- Prints "ok" and what was read back; "unknown_app" otherwise. The container is deleted even when the
-- read back fails.
on run argv
	set theApp to item 1 of argv
	set theName to item 2 of argv
	set readBack to ""
	if theApp is "Notes" then
		tell application "Notes"
			set theFolder to make new folder with properties {name:theName}
			try
				make new note at theFolder with properties {name:theName, body:"TinyAgent doctor"}
				set readBack to name of note 1 of theFolder
			end try
			delete theFolder
		end tell
	else if theApp is "Reminders" then
		tell application "Reminders"
			set theList to make new list with properties {name:theName}
			try
				make new reminder at end of reminders of theList with properties {name:theName}
				set readBack to name of reminder 1 of theList
			end try
			delete theList
		end tell
	else if theApp is "Calendar" then
		tell application "Calendar"
			set theCalendar to make new calendar with properties {name:theName}
			try
				set startDate to current date
				make new event at end of events of theCalendar with properties {summary:theName, start date:startDate, end date:startDate + 3600}
				set readBack to summary of event 1 of theCalendar
			end try
			delete theCalendar
		end tell
	else
		return "unknown_app"
	end if
	return "ok" & linefeed & readBack
end run
