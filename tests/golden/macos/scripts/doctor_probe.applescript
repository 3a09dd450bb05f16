-- Read-only probes for `tinyagent doctor --macos`: one Apple Event to an app, so its Automation
-- permission is asked for (or found refused) now rather than in the middle of a run.
-- argv: the app to probe. Prints "ok" and how many items it has; "unknown_app" otherwise.
on run argv
	set theApp to item 1 of argv
	if theApp is "Contacts" then
		tell application "Contacts" to set n to count of people
	else if theApp is "Calendar" then
		tell application "Calendar" to set n to count of calendars
	else if theApp is "Reminders" then
		tell application "Reminders" to set n to count of lists
	else if theApp is "Notes" then
		tell application "Notes" to set n to count of folders
	else if theApp is "Mail" then
		tell application "Mail" to set n to count of accounts
	else if theApp is "Messages" then
		tell application "Messages" to set n to count of (every account whose enabled is true)
	else
		return "unknown_app"
	end if
	return "ok" & linefeed & (n as text)
end run
