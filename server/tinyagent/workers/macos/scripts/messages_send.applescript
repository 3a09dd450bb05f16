-- Sends a text through Messages; used only when the user allowed sending (drafts open an sms: URL).
-- Messages' dictionary has no draft object, and typing into its window needs System Events
-- keystrokes and Accessibility access, so this script only ever sends.
-- argv: message, then one or more recipient phone numbers or addresses.
-- Prints "ok", or "no_account" when neither an SMS nor an iMessage account is set up.
on run argv
	set theMessage to item 1 of argv
	set theRecipients to rest of argv
	tell application "Messages"
		set theAccounts to every account whose service type is SMS
		if (count of theAccounts) is 0 then set theAccounts to every account whose service type is iMessage
		if (count of theAccounts) is 0 then return "no_account"
		set theAccount to item 1 of theAccounts
		repeat with aRecipient in theRecipients
			send theMessage to participant (contents of aRecipient) of theAccount
		end repeat
	end tell
	return "ok"
end run
