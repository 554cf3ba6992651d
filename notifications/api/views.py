"""The notifications API: my notices (keyset-paged), the unread count, marking read."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from kosha.errors import NotFound
from kosha.json_fields import body_refuse_any
from kosha.pages import page_query, page_response
from notifications import selectors, services
from notifications.api.serializers import NotificationOutput, ReadAllOutput, UnreadCountOutput
from notifications.models import Notification
from notifications.views import parse_int_id


class NotificationListView(APIView):
    @extend_schema(responses=NotificationOutput(many=True))
    def get(self, request):
        page = selectors.notifications_for_user(user=request.user, **page_query(request))
        return Response(page_response(page, NotificationOutput))


class NotificationUnreadView(APIView):
    @extend_schema(responses=UnreadCountOutput)
    def get(self, request):
        return Response({"unread": selectors.unread_count(user=request.user)})


class NotificationReadView(APIView):
    @extend_schema(request=None, responses=NotificationOutput)
    def post(self, request, pk):
        body_refuse_any(request)
        parsed = parse_int_id(pk)
        notice = Notification.objects.filter(pk=parsed, user=request.user).first() if parsed else None
        if notice is None:
            raise NotFound("Notification not found.", resource="notification")
        services.notifications_mark_read(user=request.user, ids=[notice.pk])
        notice.refresh_from_db()
        return Response(NotificationOutput(notice).data)


class NotificationReadAllView(APIView):
    @extend_schema(request=None, responses=ReadAllOutput)
    def post(self, request):
        body_refuse_any(request)
        return Response({"marked": services.notifications_mark_read(user=request.user)})
