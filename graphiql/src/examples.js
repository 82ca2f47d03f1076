// Saved example operations shown as GraphiQL tabs on first visit (GraphiQL keeps the
// user's own tabs in localStorage afterwards). They follow the schema conventions of
// DESIGN.md: Relay connections, decimal strings for quantities, typed userErrors.

const licensesQuery = `# Licences with their goods lines (Order 1907 p.2-3).
# Quantities are decimal strings.
query Licenses {
  licenses(first: 10) {
    totalCount
    edges {
      node {
        id
        number
        status
        holder {
          inn
          name
        }
        lines {
          lineNo
          hsCode
          unit
          quantityLimit
          available
        }
      }
    }
  }
}
`;

const licenseQuery = `# One licence by its number.
query License($number: String!) {
  license(number: $number) {
    id
    number
    direction
    status
    holder {
      inn
      name
    }
    lines {
      lineNo
      name
      hsCode
      unit
      quantityLimit
      available
    }
  }
}
`;

const licenseVariables = `{
  "number": "2024-EX-000123"
}
`;

const registerLicenseMutation = `# Register a licence from the EAIS feed (Order 1907 p.2).
# Idempotent: the same idempotencyKey twice = one effect.
mutation RegisterLicense($input: RegisterLicenseInput!) {
  registerLicense(input: $input) {
    license {
      id
      number
      status
    }
    userErrors {
      code
      message
      field
    }
  }
}
`;

const registerLicenseVariables = `{
  "input": {
    "idempotencyKey": "eais-msg-0001",
    "number": "2024-EX-000123",
    "direction": "EXPORT",
    "validFrom": "2024-01-15",
    "validTo": "2024-12-31",
    "holder": {
      "inn": "7701234567",
      "name": "ООО «Пример»"
    },
    "lines": [
      {
        "lineNo": 1,
        "name": "Титановые слитки",
        "hsCode": "8108",
        "unit": "KG",
        "quantityLimit": "1000.000"
      }
    ]
  }
}
`;

export const defaultTabs = [
  { query: licensesQuery },
  { query: licenseQuery, variables: licenseVariables },
  { query: registerLicenseMutation, variables: registerLicenseVariables },
];

export const defaultQuery = licensesQuery;
