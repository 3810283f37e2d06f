"""Staff pages of cards (namespace "cards")."""

from django.urls import path

from .views import design, find, member_cards, org_cards

app_name = "cards"
urlpatterns = [
    path("member/<int:pk>/issue/", member_cards.CardIssueView.as_view(), name="issue"),
    path(
        "member/<int:pk>/reissue/",
        member_cards.CardReissueView.as_view(),
        name="reissue",
    ),
    path(
        "member/<int:pk>/revoke/", member_cards.CardRevokeView.as_view(), name="revoke"
    ),
    path(
        "member/<int:pk>/card.png", member_cards.CardImageView.as_view(), name="image"
    ),
    path("org/<int:pk>/", org_cards.OrgCardsView.as_view(), name="org"),
    path("org/<int:pk>/cards.pdf", org_cards.CardSheetView.as_view(), name="sheet"),
    path("runs/<int:pk>/", org_cards.IssueRunView.as_view(), name="run"),
    path("find/", find.FindView.as_view(), name="find"),
    path("design/", design.DesignView.as_view(), name="design"),
    path("design/preview.png", design.DesignPreviewView.as_view(), name="preview"),
]
