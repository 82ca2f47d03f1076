"""What the tests share: builders of licences, declarations and permits through the API,
the GraphQL client of a live API process, the invariant check, and the load worker."""
