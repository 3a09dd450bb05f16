"""Slot values for bench/build_toolrag_examples.py: people, places, files, messages, events, tasks.

Realistic and varied on purpose; edit freely and re-run the generator.
"""

# fmt: off
PEOPLE = (
    "Sid", "Amir Gholami", "Maya Chen", "Priya Patel", "Jonas Müller", "Sofia Rossi", "Kenji Tanaka",
    "Fatima Al-Sayed", "Carlos Mendoza", "Olivia Brown", "Noah Kim", "Aisha Bello", "Liam O'Connor",
    "Elena Petrova", "Mateo García", "Hannah Schmidt", "Grace Lee", "Dmitri Volkov", "Chloe Martin", "Ravi Shankar",
    "Zoe Nguyen", "Ben Carter", "Ana Souza", "Leila Haddad", "Marcus Johnson", "Isabel Fernández", "Wei Zhang",
    "Nadia", "Oscar", "Emma Wilson", "Lucas Dubois", "Mom", "Dad", "Yuki Sato", "Tom", "Sarah Goldberg",
    "Kwame Mensah", "Ines Duarte", "Lutfi", "Eren Erdoğan", "Jess", "Professor Keutzer", "Daniel Okafor",
    "Mia Hoffmann", "Arjun", "Coach Rivera",
)
PLACES = (
    "Apple Park", "the Ferry Building", "SFO", "Golden Gate Park", "Stanford University", "Union Square",
    "Berkeley Bowl", "Tartine Bakery", "Oakland Airport", "the Exploratorium", "Lake Merritt", "Moscone Center",
    "Chez Panisse", "Half Moon Bay", "Muir Woods", "Soda Hall", "Dolores Park", "the Santa Cruz Boardwalk",
    "Coit Tower", "Levi's Stadium", "the Computer History Museum", "Blue Bottle Coffee on Mint Plaza",
    "1 Infinite Loop, Cupertino", "Palo Alto Caltrain station", "the Golden Gate Bridge", "Pier 39",
    "Alcatraz ferry terminal", "the Oakland Coliseum", "Zuni Café", "the nearest Whole Foods", "Mission Dolores",
    "2300 Shattuck Ave, Berkeley", "Yosemite Valley", "the Chase Center", "Sutro Baths",
)
FILES = (
    "Q3 budget.xlsx", "Project Proposal.pdf", "resume.pdf", "lease agreement.pdf", "Tax Return 2025.pdf",
    "offsite agenda.docx", "LLMCompiler paper.pdf", "Invoice 1042.pdf", "design spec.pdf", "quarterly report.pdf",
    "grant application.pdf", "CS 294 syllabus.pdf", "onboarding checklist.pdf", "meeting notes.txt",
    "launch slides.key", "insurance policy.pdf", "travel itinerary.pdf", "TinyAgent paper.pdf",
    "employment contract.pdf", "user study results.pdf", "floor plan.pdf", "board deck.pptx", "recipe book.pdf",
    "thesis draft.pdf",
)
NOTES = (
    "Grocery List", "Project Ideas", "Packing List", "Meeting Notes", "Books to Read", "Gift Ideas", "Workout Plan",
    "Recipes", "Trip to Japan", "Weekly Goals", "Reading Notes", "Standup Notes", "Wedding Planning",
    "Home Repairs", "Podcast Ideas", "Research Log",
)
FOLDERS = (
    "Work", "Personal", "Recipes", "Travel", "Ideas", "School",
)
# (phrase, hour, minute)
TIMES = (
    ("3pm", 15, 0), ("10am", 10, 0), ("9:30am", 9, 30), ("noon", 12, 0), ("2:15 pm", 14, 15), ("4 PM", 16, 0),
    ("11am", 11, 0), ("5:30pm", 17, 30), ("8am", 8, 0), ("1pm", 13, 0), ("7pm", 19, 0), ("6:45pm", 18, 45),
)
# (phrase, minutes); an empty phrase means the event's usual length
DURATIONS = (
    ("", 60), ("for 30 minutes", 30), ("for an hour", 60), ("for 45 min", 45), ("for 90 minutes", 90),
    ("for two hours", 120), ("for 15 minutes", 15),
)
# (phrase, maps_show_directions transport code)
TRANSPORT = (
    ("", "d"), ("driving", "d"), ("walking", "w"), ("by transit", "r"), ("on foot", "w"), ("by car", "d"),
    ("using public transport", "r"), ("by BART", "r"),
)
# (query fragment, message text); {f} is the recipient's first name. "that ..." fragments also
# read well after "let X know".
SMS_TEXTS = (
    ("that I'm running 10 minutes late", "Hey {f}, I'm running about 10 minutes late, sorry!"),
    ("that dinner is at 7 tonight", "Hi {f}, dinner is at 7 tonight."),
    ("to call me back when they're free", "Hi {f}, can you call me back when you're free?"),
    ("saying happy birthday", "Happy birthday, {f}! Hope you have a great day."),
    ("that the package arrived", "Hi {f}, just letting you know the package arrived."),
    ("that I'll pick them up at the airport", "Hi {f}, I'll pick you up at the airport."),
    ("to bring the HDMI adapter tomorrow", "Hey {f}, could you bring the HDMI adapter tomorrow?"),
    ("to say thanks for the help yesterday", "Thanks so much for the help yesterday, {f}!"),
    ("that the meeting moved to 4pm", "Hi {f}, heads up: the meeting moved to 4pm."),
    ("that I'm outside", "Hey {f}, I'm outside."),
    ("asking if they want to grab lunch tomorrow", "Hey {f}, want to grab lunch tomorrow?"),
    ("that practice is cancelled today", "Hi {f}, practice is cancelled today."),
    ("to say congrats on the new job", "Congrats on the new job, {f}! So happy for you."),
    ("to send me the photos from the trip", "Hey {f}, can you send me the photos from the trip?"),
    ("that I left my keys at their place", "Hi {f}, I think I left my keys at your place."),
    ("wishing them good luck on the exam", "Good luck on the exam tomorrow, {f}! You've got this."),
    ("that I'm on my way", "On my way, {f}!"),
    ("that the rent is paid", "Hi {f}, the rent is paid for this month."),
)
# (query fragment, message text) for several recipients
GROUP_TEXTS = (
    ("that the game starts at 6", "Hi all, the game starts at 6!"),
    ("that I'm running late to dinner", "Hey everyone, I'm running late to dinner. Start without me!"),
    ("that the hike is cancelled because of rain", "Hi all, the hike is cancelled because of the rain."),
    ("that we're meeting at the main entrance", "Hi everyone, we're meeting at the main entrance."),
    ("wishing everyone a happy new year", "Happy New Year, everyone!"),
    ("that the study group moved to the library", "Hi all, the study group moved to the library."),
    ("that pizza is here", "Pizza is here!"),
)
# (query fragment, subject)
EMAIL_TOPICS = (
    ("about the budget review being moved to Thursday", "Budget Review Moved to Thursday"),
    ("asking for the Q3 sales numbers", "Q3 Sales Numbers"),
    ("to thank them for the interview", "Thank You for the Interview"),
    ("saying the meeting is postponed to next week", "Meeting Postponed"),
    ("about the offsite logistics", "Offsite Logistics"),
    ("inviting them to the launch party on Friday", "Launch Party Invitation"),
    ("to ask whether the contract has been signed", "Contract Status"),
    ("about the delayed shipment", "Shipment Delay"), ("with my feedback on the draft", "Feedback on the Draft"),
    ("to confirm our call tomorrow at 2", "Confirming Our Call Tomorrow"),
    ("requesting the week of December 21 off", "Vacation Request"),
    ("about the server outage this morning", "Server Outage Follow-up"),
    ("introducing myself as the new project lead", "Introduction"),
    ("reminding them the report is due Friday", "Reminder: Report Due Friday"),
    ("about rescheduling our 1:1", "Rescheduling Our 1:1"),
    ("asking if they can review my pull request", "Review Request"),
    ("to say I'll be out sick today", "Out Sick Today"), ("about the new parking policy", "New Parking Policy"),
)
# (query phrase, event title, usual minutes)
EVENTS = (
    ("team standup", "Team Standup", 15), ("a dentist appointment", "Dentist Appointment", 60),
    ("lunch with the design team", "Lunch with Design Team", 60),
    ("the quarterly planning meeting", "Quarterly Planning", 90), ("a haircut", "Haircut", 30),
    ("yoga class", "Yoga Class", 60), ("a call with the landlord", "Call with Landlord", 30),
    ("the parent-teacher conference", "Parent-Teacher Conference", 45),
    ("the project kickoff", "Project Kickoff", 60), ("a code review session", "Code Review", 60),
    ("book club", "Book Club", 90), ("a coffee chat", "Coffee Chat", 30), ("a gym session", "Gym", 60),
    ("the car service appointment", "Car Service", 120), ("a mock interview", "Mock Interview", 45),
    ("the sprint retro", "Sprint Retrospective", 60), ("a piano lesson", "Piano Lesson", 45),
    ("movie night", "Movie Night", 120),
)
# (query phrase, meeting title)
MEETING_TOPICS = (
    ("the budget review", "Budget Review"), ("the Apple partnership", "Apple Partnership"),
    ("our paper revisions", "Paper Revisions"), ("the hiring plan", "Hiring Plan"),
    ("the product roadmap", "Product Roadmap"), ("onboarding", "Onboarding"),
    ("the marketing launch", "Marketing Launch"), ("the thesis chapter", "Thesis Chapter Review"),
    ("the customer escalation", "Customer Escalation"), ("weekly sync", "Weekly Sync"),
    ("the grant proposal", "Grant Proposal"), ("the design review", "Design Review"),
)
# (query phrase, reminder title)
TASKS = (
    ("pay the electricity bill", "Pay the electricity bill"), ("buy milk", "Buy milk"),
    ("call the plumber", "Call the plumber"), ("renew my passport", "Renew passport"),
    ("pick up the dry cleaning", "Pick up dry cleaning"), ("submit the expense report", "Submit expense report"),
    ("water the plants", "Water the plants"), ("take out the recycling", "Take out the recycling"),
    ("book flights for the holidays", "Book holiday flights"),
    ("cancel the gym membership", "Cancel gym membership"), ("send the rent", "Send the rent"),
    ("schedule a vet appointment for Luna", "Schedule vet appointment for Luna"),
    ("back up my laptop", "Back up laptop"), ("return the library books", "Return library books"),
    ("refill my prescription", "Refill prescription"), ("file my taxes", "File taxes"),
    ("buy a birthday gift for Mom", "Buy birthday gift for Mom"), ("stretch", "Stretch"),
    ("check in for my flight", "Check in for flight"), ("update my resume", "Update resume"),
)
# (query phrase, reminder list)
LISTS = (
    ("my Groceries list", "Groceries"), ("the Work list", "Work"), ("my Errands list", "Errands"),
    ("Personal", "Personal"), ("the Home list", "Home"),
)
# (query phrase, Reminders priority: 1 high, 5 medium, 9 low)
PRIORITIES = (
    ("high priority", 1), ("urgent", 1), ("medium priority", 5), ("low priority", 9),
)
# (query phrase, note title, note content)
NEW_NOTES = (
    ("a grocery list with eggs, spinach, oat milk and coffee", "Grocery List", "Eggs, spinach, oat milk, coffee"),
    ("a packing list for the ski trip: gloves, goggles, thermals, charger",
     "Ski Trip Packing List", "Gloves, goggles, thermals, charger"),
    ("my ideas for the hackathon: offline voice assistant, smart pantry tracker",
     "Hackathon Ideas", "Offline voice assistant; smart pantry tracker"),
    ("the wifi password for the guest network, which is sunflower42",
     "Guest WiFi", "Guest network password: sunflower42"),
    ("books Priya recommended: Piranesi and The Overstory", "Books to Read", "Piranesi; The Overstory"),
    ("today's standup: shipped the parser, blocked on the API keys",
     "Standup Notes", "Shipped the parser; blocked on the API keys"),
    ("a recipe for banana bread", "Banana Bread", "Banana bread recipe"),
    ("gift ideas for Dad: a fountain pen, a hiking book", "Gift Ideas for Dad", "Fountain pen; hiking book"),
    ("my weekly goals: run 3 times, finish chapter 2, call grandma",
     "Weekly Goals", "Run 3 times; finish chapter 2; call grandma"),
    ("the apartment viewing details: 3pm Saturday, ask about parking",
     "Apartment Viewing", "Saturday 3pm; ask about parking"),
    ("a summary of the call with the contractor: kitchen starts in January",
     "Contractor Call", "Kitchen remodel starts in January"),
    ("podcast episode ideas about local AI and privacy", "Podcast Ideas", "Episodes on local AI and privacy"),
)
# (query phrase, appended content)
APPEND_ITEMS = (
    ("avocados", "Avocados"), ("call the bank about the card", "Call the bank about the card"),
    ("Project Hail Mary", "Project Hail Mary"), ("a phone charger", "Phone charger"),
    ("the idea about caching embeddings", "Idea: cache embeddings"),
    ("20 minutes of cardio", "20 minutes of cardio"), ("book the ryokan in Kyoto", "Book the ryokan in Kyoto"),
    ("fix the leaky faucet", "Fix the leaky faucet"),
    ("action item: send slides to Maya", "Action item: send slides to Maya"), ("sunscreen", "Sunscreen"),
)
# fmt: on
