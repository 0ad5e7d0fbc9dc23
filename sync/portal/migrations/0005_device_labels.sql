-- Device labels (issue 18): where a kiosk stands ("Biblioteka, parter"), as the technician
-- gave it at `infomat setup --label` or the operator at `token create --label`. A token's
-- label becomes its device's unless the device brings its own. Empty for none, as bolt
-- keeps it.
ALTER TABLE tokens ADD COLUMN label text NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN label text NOT NULL DEFAULT '';
