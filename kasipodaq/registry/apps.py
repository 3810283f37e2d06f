from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "kasipodaq.registry"
    label = "registry"

    def ready(self) -> None:
        from kasipodaq.audit.labels import label_with
        from kasipodaq.orgtree.models import EmployeeCount, Employer, OrgUnit

        from .models import Membership, Person

        label_with(Person, Membership, OrgUnit, Employer, EmployeeCount)
