"""Who may use the residents' ride pages: riders they manage, the booking wizard, their rides."""

RESIDENT = {"resident"}

EXPECTATIONS = {
    "rides.resident_home": RESIDENT,
    "rides.resident_riders": RESIDENT,
    "rides.resident_rider_new": RESIDENT,
    "rides.resident_rider_edit": RESIDENT,
    "rides.resident_book": RESIDENT,
    "rides.resident_book_day": RESIDENT,
    "rides.resident_book_slots": RESIDENT,
    "rides.resident_book_details": RESIDENT,
    "rides.resident_ride": RESIDENT,
    "rides.resident_ride_confirmation": RESIDENT,
    "rides.resident_ride_cancel": RESIDENT,
}
