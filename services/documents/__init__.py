"""The stored shape of each document and its conversion to and from the domain: one
module per stored document, the only place that knows its field names."""
