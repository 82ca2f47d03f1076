from tests.support.api import Api


async def test_typename(api: Api) -> None:
    assert await api.data("{ __typename }") == {"__typename": "Query"}
