"""The people of the example inventory whom the journeys follow."""

MELLE = "melle.localhost"
OTHER_COMMUNE = "celles-sur-belle.localhost"

SECRETAIRE = {"uid": "tlhuillier", "email": "thomas.lhuillier@melle.paysmellois.fr",
              "password": "une phrase pour la mairie de Melle"}
MAIRE = {"uid": "sgaborit", "email": "sylvain.gaborit@melle.paysmellois.fr",
         "name": "Sylvain Gaborit", "password": "le maire signe sur sa tablette"}
PROXY_HOLDER = "Stéphane Bernardeau"
OTHER_STAFF = {"uid": "mclebihan",
               "email": "marie-christine.le.bihan@celles-sur-belle.paysmellois.fr",
               "password": "celles sur belle en deux sevres"}
EPCI = "cc-mellois-en-poitou.localhost"
# Staff of the EPCI (its IT manager) and elected in Celles-sur-Belle's council: one account.
TWO_HATS = {"uid": "yfavreau", "email": "yannick.favreau@mellois-en-poitou.paysmellois.fr",
            "password": "agent du mellois et conseiller a celles"}
