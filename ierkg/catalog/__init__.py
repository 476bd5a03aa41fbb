"""What the concept pages show, worked out from the release's triples, with no web code.

``graph`` indexes the triples (read through a store); ``entities`` builds the view of one
entity (definitions, hierarchy, relations both ways, evidence, citations); ``expressions``
writes OWL class expressions in words; ``search`` ranks labels, synonyms and definitions;
``framework`` draws the 2x2 map from the ontology's own definitions; ``placement`` says where an
entity sits on it, why, and on which sources.
"""
