import factory

from twinning.accounts.models import Organisation, Role, User

# Every factory-made user's password (re-exported by twinning.conftest).
TEST_PASSWORD = "pw-for-tests-123"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"测试组织{n}")
    kind = Organisation.Kind.DEPARTMENT


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.COORDINATOR
    organisation = factory.SubFactory(OrganisationFactory)
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def save_password(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


def make_user(
    role: str,
    region_code: str | None,
    kind: str = Organisation.Kind.DEPARTMENT,
    username: str | None = None,
) -> User:
    """A user of an organisation standing for `region_code` (None: the Ministry)."""
    organisation = OrganisationFactory(
        kind=Organisation.Kind.MINISTRY if region_code is None else kind, region_id=region_code
    )
    if username:
        return UserFactory(role=role, organisation=organisation, username=username)
    return UserFactory(role=role, organisation=organisation)
