import pytest

from tests.factories import City


@pytest.fixture
def city(city: City) -> City:
    """The test city with a duty phone and e-mail for the street that gets the orders."""
    street = city.streets[0]
    street.duty_phone, street.duty_email = "13900000001", "duty@dongcheng1.gov.cn"
    street.save()
    return city
