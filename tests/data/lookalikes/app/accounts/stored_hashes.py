# Password hashes as Django, LDAP and Spring store them: not passwords.
USERS = [
    {"username": "ops", "password": "pbkdf2_sha256$600000$b85ae0cdeb5c86ea667c5c$3sYhIWc8CHfb2eNyfEJ2rfjrYjNOESPV65PNbYZdug0="},
    {"username": "ro", "password": "argon2$argon2id$v=19$m=102400,t=2,p=8$d505abd71b6da6efdf0c79$eG1EpIkwmDn7roP+bR3JqjyAsQlEKX1OyrF4ITZfS54"},
]
LDAP_ENTRY = {"userPassword": "{SSHA}McEX/kXWfjCnj0qb8o0omFZiTjzlqvDf"}
SPRING_USER = {"password": "{bcrypt}$2a$10$Cq6ZqPP150BEk7jTuKfiAJyChNHnM8hkBvtBdJ2L1pj32QF0XeYwt"}
