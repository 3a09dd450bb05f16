-- Sends a text through Messages; used only when the user allowed sending (drafts open an sms: URL).
-- Messages' dictionary has no draft object, and typing into its window needs System Events
-- keystrokes and Accessibility access, so this script only ever sends.
-- argv: message, then one or more recipients (phone numbers or addresses), then for each recipient
-- its digits-only form (the Python side computes it), used to recognise an existing group chat.
-- The account: an enabled iMessage account first, else an enabled SMS one (an iPhone relaying).
-- Several recipients: one message to the existing chat whose participants are exactly them; Messages
-- cannot start a group chat from a script, so without one each gets the message separately.
-- Prints "ok" then "group", "single" or "separately"; or "no_account".
on run argv
	set theMessage to item 1 of argv
	set n to ((count of argv) - 1) div 2
	set theRecipients to items 2 thru (n + 1) of argv
	set theKeys to items (n + 2) thru (2 * n + 1) of argv
	tell application "Messages"
		set theAccounts to every account whose service type is iMessage and enabled is true
		if (count of theAccounts) is 0 then set theAccounts to every account whose service type is SMS and enabled is true
		if (count of theAccounts) is 0 then return "no_account"
		set theAccount to item 1 of theAccounts
		if n is 1 then
			send theMessage to participant (item 1 of theRecipients) of theAccount
			return "ok" & linefeed & "single"
		end if
		repeat with aChat in (every chat whose account is theAccount)
			if my samePeople(aChat, theKeys) then
				send theMessage to aChat
				return "ok" & linefeed & "group"
			end if
		end repeat
		repeat with aRecipient in theRecipients
			send theMessage to participant (contents of aRecipient) of theAccount
		end repeat
	end tell
	return "ok" & linefeed & "separately"
end run

-- True when the chat's participants are exactly the recipients, compared by digits (or as typed).
on samePeople(aChat, theKeys)
	tell application "Messages" to set theHandles to handle of every participant of aChat
	if (count of theHandles) is not (count of theKeys) then return false
	repeat with aHandle in theHandles
		if theKeys does not contain my digitsOf(contents of aHandle) then return false
	end repeat
	return true
end samePeople

on digitsOf(theText)
	if theText contains "@" then return theText
	set out to ""
	repeat with c in (characters of theText)
		if "0123456789" contains c then set out to out & c
	end repeat
	return out
end digitsOf
